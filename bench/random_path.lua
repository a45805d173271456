-- GET a random line of PATHS_FILE (one path per line) on every request.
-- args: PATHS_FILE [no-cache]; with `no-cache` the server's response cache is passed
-- over (Cache-Control: no-cache), to measure the database path.
local paths = {}
local headers = {}

function init(args)
  for line in io.lines(args[1]) do
    paths[#paths + 1] = line
  end
  if args[2] == "no-cache" then
    headers["Cache-Control"] = "no-cache"
  end
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end

function request()
  return wrk.format("GET", paths[math.random(#paths)], headers)
end

function done(summary, latency, requests)
  io.write(string.format("STATUS_ERRORS %d\n", summary.errors.status))
end
