-- Shared by the scenarios: read the prepared clients and report one machine-readable line.
local M = {}

M.base_2025 = 1736121600 -- 2025-01-06T00:00:00Z, the first Monday of the data set
M.base_2026 = 1767571200 -- 2026-01-05T00:00:00Z, empty in the data set: new entries go here

function M.iso(epoch)
  return os.date("!%Y-%m-%dT%H:%M:%SZ", epoch)
end

function M.lines(path)
  local rows = {}
  for line in io.lines(path) do
    if line ~= "" then rows[#rows + 1] = line end
  end
  return rows
end

-- Rows i where (i - 1) % threads == id: every thread gets its own users, so no two threads
-- write for the same user and the runs cannot collide with each other.
function M.share(rows, id, threads)
  local mine = {}
  for i, row in ipairs(rows) do
    if (i - 1) % threads == id then mine[#mine + 1] = row end
  end
  return mine
end

function M.done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors
  io.write(string.format(
    "RESULT requests=%d seconds=%.1f rps=%.1f p50_ms=%.1f p90_ms=%.1f p99_ms=%.1f max_ms=%.1f socket_errors=%d non_2xx=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, errors.connect + errors.read + errors.write + errors.timeout, errors.status))
end

return M
