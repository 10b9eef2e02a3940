-- wrk script: POST /webhook with a 1 KiB JSON body and a unique X-Event-Id per request.
local counter = 0
local threads = {}
local body = '{"data":"' .. string.rep("x", 1024 - 11) .. '"}'
local run = os.getenv("ACKHOOK_BENCH_RUN") or tostring(os.time())

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function request()
  counter = counter + 1
  return wrk.format("POST", "/webhook",
    { ["Content-Type"] = "application/json", ["X-Event-Id"] = run .. "-" .. id .. "-" .. counter }, body)
end
