-- wrk script: each request GETs a random line of the file named by the first script argument
-- (a path relative to the server, such as /fhir/Observation/123), with the bearer token given as the
-- second argument, if any.
local paths = {}

local headers = { ["Accept"] = "application/fhir+json" }

function init(args)
  for line in io.lines(args[1]) do
    paths[#paths + 1] = line
  end
  if args[2] then
    headers["Authorization"] = "Bearer " .. args[2]
  end
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16) % 100000)
end

function request()
  return wrk.format("GET", paths[math.random(#paths)], headers)
end
