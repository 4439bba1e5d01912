// name: identifier-users
// description: Who uses one identifier (payment account, phone, e-mail, address, supplier
//   or any other identifier kind, by its key), with the evidence count of each link.
// tags: explore, links
// param: key str -- Identifier key: provider:number, E.164 phone, e-mail, address key
// example: -p key=+85291234567
MATCH (i:{{ identifier }} {key: $key})<-[r]-(u)
RETURN labels(i)[0] AS kind, labels(u)[0] AS user_kind, u.key AS user,
       coalesce(u.name, u.display, u.key) AS name, u.platform AS platform,
       u.country AS country, u.cluster_id AS cluster, coalesce(u.flagged, false) AS flagged,
       type(r) AS link, r.ev_count AS evidence, r.first_run AS first_run
ORDER BY user_kind, user
