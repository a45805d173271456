DROP TABLE instance_settings;
DROP TABLE login_throttle;
DROP TABLE api_tokens;
DROP TABLE refresh_tokens;
DROP TABLE users;
