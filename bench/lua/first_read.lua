-- A request no cache can have answered: each one carries a query parameter never sent before
-- (`first_read=<run>-<n>`), `_ID_` in the path takes the next of BENCH_IDS (a comma list)
-- and, with BENCH_TOKENS (a file, one access token a line), each request comes from the
-- next user, whose identity is read for the first time too.
local report = require("report")
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

local function lines(path)
  local found = {}
  for line in io.lines(path) do
    found[#found + 1] = line
  end
  return found
end

function init(args)
  ids = {}
  for value in string.gmatch(os.getenv("BENCH_IDS") or "", "[^,]+") do
    ids[#ids + 1] = value
  end
  tokens = os.getenv("BENCH_TOKENS") and lines(os.getenv("BENCH_TOKENS")) or {}
  stride = tonumber(os.getenv("BENCH_THREADS"))
  position = tonumber(os.getenv("BENCH_FIRST")) + id + 1
  run = os.getenv("BENCH_RUN")
  taken = 0
  local token = os.getenv("BENCH_TOKEN")
  if token then
    wrk.headers["Authorization"] = "Bearer " .. token
  end
end

function request()
  local path = wrk.path
  if #ids > 0 then
    path = string.gsub(path, "_ID_", ids[(position - 1) % #ids + 1])
  end
  local separator = string.find(path, "?", 1, true) and "&" or "?"
  path = path .. separator .. "first_read=" .. run .. "-" .. position
  local headers = nil
  if #tokens > 0 then
    -- Past the last token there is none: the answer is a 401, counted as an error.
    headers = { Authorization = "Bearer " .. (tokens[position] or "") }
  end
  position = position + stride
  taken = taken + 1
  return wrk.format("GET", path, headers)
end

function done(summary, latency, requests)
  report.write(summary, latency, { bodies_taken = report.taken(threads) })
end
