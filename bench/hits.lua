-- POST a page view from a random visitor; one in ten is a crawler.
local agents = {
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
}
local bots = { "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "Mozilla/5.0 (compatible; coccocbot-web/1.0)" }

function init(args)
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end

function request()
  local visitor = "bench-visitor-" .. math.random(1, 50000)
  local agent = agents[math.random(#agents)]
  if math.random(10) == 1 then agent = bots[math.random(#bots)] end
  local body = '{"path":"/tin-tuc/' .. math.random(1, 1000) .. '","article_id":' .. math.random(1, 1000) .. '}'
  return wrk.format("POST", "/api/v1/stats/hits",
    { ["Content-Type"] = "application/json", ["User-Agent"] = agent, ["X-Visitor-Id"] = visitor }, body)
end

function done(summary, latency, requests)
  io.write(string.format("STATUS_ERRORS %d\n", summary.errors.status))
end
