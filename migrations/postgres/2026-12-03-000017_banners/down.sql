DROP TABLE banner_click_breakdowns;
DROP TABLE banner_click_visitors;
DROP TABLE banner_daily;
DROP TABLE banners;
DROP TABLE banner_slots;
