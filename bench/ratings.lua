-- POST a rating by a distinct reader (own visitor id and browser) of a random article.
-- args: ARTICLE_COUNT
local articles = 1000
local counter = 0

-- Seeded from the kernel (kernel_seed.lua, beside this script).
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local kernel_seed = dofile(here .. "kernel_seed.lua")

function init(args)
  articles = tonumber(args[1]) or articles
  math.randomseed(kernel_seed())
end

function request()
  counter = counter + 1
  local reader = math.random(1, 1000000000) .. "-" .. counter
  local body = '{"score":' .. math.random(1, 5) .. '}'
  return wrk.format("POST", "/api/v1/articles/" .. math.random(1, articles) .. "/ratings",
    { ["Content-Type"] = "application/json", ["User-Agent"] = "bench-reader/" .. reader,
      ["X-Visitor-Id"] = "reader-" .. reader }, body)
end

function done(summary, latency, requests)
  io.write(string.format("STATUS_ERRORS %d\n", summary.errors.status))
end
