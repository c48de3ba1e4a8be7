-- Replays pre-signed Slack requests (bench/payloads.py write_wrk_file) with wrk, never repeating one.
--   wrk -t T -c C -d D --latency -s bench/replay.lua URL -- FILE T
-- Thread k sends lines k, k+T, k+2T, ... of FILE and stops if it runs out (or, with a third argument
-- `wrap`, starts again from its first line: only for servers that store nothing). done() prints one
-- `thread <k> generated <n> exhausted <0|1>` line per thread and `status <code> <count>` lines, so the
-- benchmark knows exactly which requests may have reached the server and what came back.

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  local path, count = args[1], tonumber(args[2])
  wrap = args[3] == "wrap"
  requests = {}
  local line_number = 0
  for line in io.lines(path) do
    if line_number % count == id then
      local ts, sig, ctype, body = line:match("^(%d+)\t([^\t]+)\t([^\t]+)\t(.*)$")
      local headers = {
        ["Content-Type"] = ctype,
        ["X-Slack-Request-Timestamp"] = ts,
        ["X-Slack-Signature"] = sig,
      }
      requests[#requests + 1] = wrk.format("POST", nil, headers, body)
    end
    line_number = line_number + 1
  end
  generated = 0
  exhausted = 0
  statuses = {}
end

function request()
  if generated >= #requests and wrap then
    generated = generated + 1
    return requests[(generated - 1) % #requests + 1]
  end
  if generated >= #requests then
    exhausted = 1
    wrk.thread:stop()
    return requests[#requests]
  end
  generated = generated + 1
  return requests[generated]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local totals = {}
  for _, thread in ipairs(threads) do
    io.write(string.format("thread %d generated %d exhausted %d\n",
      thread:get("id"), thread:get("generated"), thread:get("exhausted")))
    for status, count in pairs(thread:get("statuses")) do
      totals[status] = (totals[status] or 0) + count
    end
  end
  for status, count in pairs(totals) do
    io.write(string.format("status %d %d\n", status, count))
  end
  io.write(string.format("errors connect %d read %d write %d status %d timeout %d\n",
    summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout))
  io.write(string.format("latency p50 %d p99 %d max %d\n",
    latency:percentile(50), latency:percentile(99), latency.max))
end
