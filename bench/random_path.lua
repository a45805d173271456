-- GET a random line of PATHS_FILE (one path per line) on every request.
-- args: PATHS_FILE [MODE...], each MODE one of: `no-cache`, the server's response cache is
-- passed over (Cache-Control: no-cache), to measure the database path; `zipf`, the line of
-- rank k is drawn with weight 1/k (Zipf, s = 1: the first lines are the popular ones), as
-- readers pick a portal's articles; `browser`, a browser's Accept-Encoding is sent.
local paths = {}
local headers = {}
local cumulative = nil

function init(args)
  for line in io.lines(args[1]) do
    paths[#paths + 1] = line
  end
  for i = 2, #args do
    if args[i] == "no-cache" then
      headers["Cache-Control"] = "no-cache"
    elseif args[i] == "browser" then
      headers["Accept-Encoding"] = "gzip, deflate, br, zstd"
    elseif args[i] == "zipf" then
      cumulative = {}
      local total = 0
      for k = 1, #paths do
        total = total + 1 / k
        cumulative[k] = total
      end
    end
  end
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end

-- The rank whose cumulative weight first reaches a uniform draw: a binary search.
local function zipf_rank()
  local target = math.random() * cumulative[#cumulative]
  local low, high = 1, #cumulative
  while low < high do
    local middle = math.floor((low + high) / 2)
    if cumulative[middle] < target then low = middle + 1 else high = middle end
  end
  return low
end

function request()
  local index = cumulative and zipf_rank() or math.random(#paths)
  return wrk.format("GET", paths[index], headers)
end

function done(summary, latency, requests)
  io.write(string.format("STATUS_ERRORS %d\n", summary.errors.status))
end
