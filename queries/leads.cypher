// name: leads
// description: Unflagged shops linked to a flagged shop by a shared identifier or seller:
//   the next shops to check.
// tags: leads, flagged, links
// param: shop str = "" -- A flagged shop's key; empty for every flagged shop
// param: include_hubs bool = false -- Also count links through hub identifiers
// example: -p shop=amazon:a1luxe
// sort-lists: via
MATCH (f:Shop)
WHERE f.flagged = true AND ($shop = '' OR f.key = $shop)
// Hubs are left out before expanding through them (a hub has thousands of users), and
// the lead filter sits in its own WITH so that LadybugDB expands from x instead of
// joining every shop. A lead is unflagged, so it is never the flagged shop itself.
MATCH (f)-[]-(x)
WHERE $include_hubs OR NOT coalesce(x.hub, false)
WITH f, x
MATCH (x)-[]-(s:Shop)
WITH f, x, s
WHERE NOT coalesce(s.flagged, false)
WITH f, s, count(DISTINCT x) AS links, collect(DISTINCT labels(x)[0] + ':' + x.key) AS via
RETURN f.key AS flagged_shop, s.key AS lead, s.name AS name, s.platform AS platform,
       s.country AS country, links AS links, via AS via
ORDER BY flagged_shop, links DESC, lead
