-- POST /sessions/{id}/start/ then /sessions/{id}/stop/ on prepared planned sessions. Run with
-- one connection per thread (-c equal to -t) so a client's start and stop never race; each
-- thread drives its own clients, taking their sessions in turn. BENCH_SESSION_SKIP skips each
-- client's first sessions (the ones earlier runs of compare.sh's rounds already stopped).
package.path = os.getenv("BENCH_DIR") .. "/wrk/?.lua;" .. package.path
local common = require("common")
local next_id = 0
local skip = tonumber(os.getenv("BENCH_SESSION_SKIP") or "0")

setup = function(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end

init = function(args)
  local by_token, order = {}, {}
  for _, row in ipairs(common.lines(os.getenv("BENCH_RESULTS") .. "/sessions.txt")) do
    local token, session = row:match("^(%S+) (%S+)$")
    if not by_token[token] then
      by_token[token] = {}
      order[#order + 1] = token
    end
    table.insert(by_token[token], session)
  end
  clients = {}
  for _, token in ipairs(common.share(order, id, tonumber(os.getenv("BENCH_THREADS")))) do
    clients[#clients + 1] = { token = token, sessions = by_token[token] }
  end
  sent = 0
end

request = function()
  local pair = math.floor(sent / 2)
  local client = clients[(pair % #clients) + 1]
  local session = client.sessions[((math.floor(pair / #clients) + skip) % #client.sessions) + 1]
  local command = (sent % 2 == 0) and "start" or "stop"
  sent = sent + 1
  return wrk.format("POST", "/api/v1/sessions/" .. session .. "/" .. command .. "/",
    { ["Authorization"] = "Bearer " .. client.token })
end

done = common.done
