-- wrk script: each request GETs a random line of the file named by the first script argument
-- (a path relative to the server, such as /fhir/Observation/123).
local paths = {}

function init(args)
  for line in io.lines(args[1]) do
    paths[#paths + 1] = line
  end
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16) % 100000)
end

function request()
  return wrk.format("GET", paths[math.random(#paths)], { ["Accept"] = "application/fhir+json" })
end
