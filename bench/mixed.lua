-- The portal's mix: 85% article reads, 10% hits, 4% list pages, 1% ratings.
-- args: PATHS_FILE ARTICLE_COUNT
local paths = {}
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
