-- POST a rating by a distinct reader (own visitor id and browser) of a random article.
-- args: ARTICLE_COUNT
local articles = 1000
local counter = 0

-- Seeded from the kernel. A seed from the clock (seconds plus microseconds of CPU time)
-- can come out equal for wrk processes started seconds apart: one that did sent an earlier
-- scenario's readers' ratings again, answered 200 (replaced), not as new rows, and the
-- soak's check of acknowledged against written ratings counted them as lost.
local function kernel_seed()
  local urandom = assert(io.open("/dev/urandom", "rb"))
  local a, b, c = urandom:read(3):byte(1, 3)
  urandom:close()
  return (a * 256 + b) * 256 + c
end

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
