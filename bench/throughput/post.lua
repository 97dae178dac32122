-- wrk script: POSTs MESSAGE_RESULT_UPDATE deliveries of 10 hooks, each with new hooksId and hookIds, signed.
local threads = {}
local n = 0

function setup(thread)
  n = n + 1
  thread:set("tid", n)
end

local counter = 0
local hook = '{"hookId":"%s","senderType":"NORMAL_SMS","requestId":"20240429205802y0Tl7Gbz0e0","recipientSeq":%d,' ..
  '"requestDate":"2024-04-29T20:58:02","receiveDate":"2024-04-29T20:58:04","sendNo":"15446859",' ..
  '"recipientNo":"01012341234","messageStatus":"COMPLETED","resultCode":"1000","messageCount":1}'

function request()
  counter = counter + 1
  local hooks = {}
  for i = 1, 10 do
    hooks[i] = string.format(hook, string.format("E%d-%d-%d", tid, counter, i), i)
  end
  local body = string.format('{"hooksId":"H%d-%d","webhookConfigId":"c","productName":"SMS","appKey":"k",' ..
    '"event":"MESSAGE_RESULT_UPDATE","hooks":[%s]}', tid, counter, table.concat(hooks, ","))
  return wrk.format("POST", "/", {["Content-Type"] = "application/json;charset=UTF-8",
    ["X-Toast-Webhook-Signature"] = "throughput-secret"}, body)
end

function done(summary, latency, requests)
  io.write(string.format("result rps=%.0f p50_ms=%.2f p99_ms=%.2f errors=%d non2xx=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
