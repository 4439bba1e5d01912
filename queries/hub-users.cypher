// name: hub-users
// description: Who uses each hub (or one hub): the shops and sellers linked to it.
// tags: hubs, explore
// param: hub str = "" -- A hub's key; empty for every hub
// example: -p hub=pingpong:hub-001
MATCH (h:{{ identifier }})
WHERE h.hub = true AND ($hub = '' OR h.key = $hub)
MATCH (h)<-[r]-(u)
RETURN labels(h)[0] AS kind, h.key AS hub, labels(u)[0] AS user_kind, u.key AS user,
       coalesce(u.name, u.display, u.key) AS name, u.platform AS platform,
       u.country AS country, u.cluster_id AS cluster, type(r) AS link,
       r.ev_count AS evidence
ORDER BY kind, hub, user_kind, user
