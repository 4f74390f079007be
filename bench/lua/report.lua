-- What a wrk run measured, printed by done() as one JSON line that bench/run.py reads.
-- Latencies are in microseconds; `status` counts responses >= 400 (wrk's own rule).
local report = {}

function report.write(summary, latency, extra)
  local errors = summary.errors
  local fields = {
    string.format('"requests":%d', summary.requests),
    string.format('"duration_us":%d', summary.duration),
    string.format('"p50_us":%d', latency:percentile(50)),
    string.format('"p99_us":%d', latency:percentile(99)),
    string.format('"mean_us":%.1f', latency.mean),
    string.format('"max_us":%d', latency.max),
    string.format('"status_errors":%d', errors.status),
    string.format('"socket_errors":%d', errors.connect + errors.read + errors.write),
    string.format('"timeouts":%d', errors.timeout),
  }
  for name, value in pairs(extra or {}) do
    table.insert(fields, string.format('"%s":%d', name, value))
  end
  io.write("BENCH-RESULT {" .. table.concat(fields, ",") .. "}\n")
end

-- How many bodies (or tokens) the threads took between them: as many as the busiest thread, times
-- the threads, so the next run starts past every one that may have been used.
function report.taken(threads)
  local most = 0
  for _, thread in ipairs(threads) do
    most = math.max(most, thread:get("taken"))
  end
  return most * #threads
end

return report
