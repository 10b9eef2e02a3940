-- wrk script: 8 pipelined POST /webhook per write, 1 KiB JSON bodies, a unique X-Event-Id each.
-- wrk counts every answer (it finds the depth from the request string itself).
local counter = 0
local threads = {}
local depth = 8
local body = '{"data":"' .. string.rep("x", 1024 - 11) .. '"}'
local run = os.getenv("ACKHOOK_BENCH_RUN") or tostring(os.time())

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function request()
  local r = {}
  for i = 1, depth do
    counter = counter + 1
    r[i] = wrk.format("POST", "/webhook",
      { ["Content-Type"] = "application/json", ["X-Event-Id"] = run .. "-" .. id .. "-" .. counter }, body)
  end
  return table.concat(r)
end
