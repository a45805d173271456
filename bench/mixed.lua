-- The portal's mix: 85% article reads, 10% hits, 4% list pages, 1% ratings.
-- args: PATHS_FILE ARTICLE_COUNT
local paths = {}
local articles = 1000
local counter = 0

-- Seeded from the kernel (kernel_seed.lua, beside this script).
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local kernel_seed = dofile(here .. "kernel_seed.lua")

function init(args)
  for line in io.lines(args[1]) do
    paths[#paths + 1] = line
  end
  articles = tonumber(args[2]) or articles
  math.randomseed(kernel_seed())
end

function request()
  local roll = math.random(100)
  counter = counter + 1
  if roll <= 85 then
    return wrk.format("GET", paths[math.random(#paths)])
  elseif roll <= 95 then
    local body = '{"path":"/","article_id":' .. math.random(1, articles) .. '}'
    return wrk.format("POST", "/api/v1/stats/hits",
      { ["Content-Type"] = "application/json", ["X-Visitor-Id"] = "mixed-visitor-" .. math.random(1, 20000) }, body)
  elseif roll <= 99 then
    return wrk.format("GET", "/api/v1/articles?per_page=20&fields=id,slug,title,summary,cover_image,published_at")
  else
    local reader = math.random(1, 1000000000) .. "-" .. counter
    return wrk.format("POST", "/api/v1/articles/" .. math.random(1, articles) .. "/ratings",
      { ["Content-Type"] = "application/json", ["User-Agent"] = "mixed-reader/" .. reader,
        ["X-Visitor-Id"] = "reader-" .. reader }, '{"score":4}')
  end
end

function done(summary, latency, requests)
  io.write(string.format("STATUS_ERRORS %d\n", summary.errors.status))
end
