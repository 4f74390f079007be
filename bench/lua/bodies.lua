-- A fresh JSON body per request: line BENCH_FIRST + 1, + 2, … of the file BENCH_BODIES, the
-- threads taking turns (BENCH_THREADS of them), so no two requests share a body and the next
-- run starts where this one stopped (done() reports how many lines were taken).
local report = require("report")
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  bodies = {}
  for line in io.lines(os.getenv("BENCH_BODIES")) do
    bodies[#bodies + 1] = line
  end
  stride = tonumber(os.getenv("BENCH_THREADS"))
  position = tonumber(os.getenv("BENCH_FIRST")) + id + 1
  taken = 0
  wrk.method = os.getenv("BENCH_METHOD") or "POST"
  wrk.headers["Content-Type"] = "application/json"
  local token = os.getenv("BENCH_TOKEN")
  if token then
    wrk.headers["Authorization"] = "Bearer " .. token
  end
end

function request()
  -- Past the end there is no body: the answer is an error, counted, never a repeated write.
  local body = bodies[position] or ""
  position = position + stride
  taken = taken + 1
  return wrk.format(nil, nil, nil, body)
end

function done(summary, latency, requests)
  report.write(summary, latency, { bodies_taken = report.taken(threads) })
end
