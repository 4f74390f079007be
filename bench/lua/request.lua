-- The same request every time: method, bearer token and JSON body come from the environment
-- (BENCH_METHOD, BENCH_TOKEN, BENCH_BODY), the URL from wrk's command line.
local report = require("report")

function init(args)
  wrk.method = os.getenv("BENCH_METHOD") or "GET"
  wrk.body = os.getenv("BENCH_BODY")
  local token = os.getenv("BENCH_TOKEN")
  if token then
    wrk.headers["Authorization"] = "Bearer " .. token
  end
  if wrk.body then
    wrk.headers["Content-Type"] = "application/json"
  end
end

function done(summary, latency, requests)
  report.write(summary, latency)
end
