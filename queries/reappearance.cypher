// name: reappearance
// description: Identifiers of taken-down shops reused by shops first seen after the
//   taken-down shop was last seen: the network coming back under a new name.
// tags: leads, takedown, history
// param: include_hubs bool = false -- Also report reuse of hub identifiers
// example: -p include_hubs=false
MATCH (t:Shop)
WHERE t.flagged = true AND any(f IN t.flags WHERE f CONTAINS '"takedown"')
// As in leads: hubs are left out before the expansion, and the filter on the new shop
// sits in its own WITH. The new shop was first seen after the taken-down one was last
// seen, so it is never the taken-down shop itself.
MATCH (t)-[]->(i)
WHERE $include_hubs OR NOT coalesce(i.hub, false)
WITH t, i
MATCH (i)<-[]-(n:Shop)
WITH t, i, n
WHERE n.first_seen > coalesce(t.last_seen, t.first_seen)
RETURN t.key AS taken_down, t.last_seen AS last_seen, labels(i)[0] AS kind,
       i.key AS identifier, n.key AS new_shop, n.platform AS platform,
       n.first_seen AS first_seen, coalesce(n.flagged, false) AS new_shop_flagged
ORDER BY taken_down, new_shop, kind, identifier
