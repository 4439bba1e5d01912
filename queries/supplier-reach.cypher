// name: supplier-reach
// description: Suppliers feeding at least N shops on at least M platforms (directly, or
//   through the seller operating them).
// tags: links, supplier, reach
// param: min_shops int 1..100000 = 2 -- Fewest shops sourcing from the supplier
// param: min_platforms int 1..50 = 2 -- Fewest distinct platforms among those shops
// example: -p min_shops=3 -p min_platforms=3
// sort-lists: platforms, shops
MATCH (sup:Supplier)<-[:SOURCES_FROM]-(x)
// cheap pre-filter: N shops need N users, unless a seller (with many shops) is one
WITH sup, count(x) AS users, sum(CASE WHEN labels(x)[0] = 'Seller' THEN 1 ELSE 0 END) AS sellers
WHERE (users >= $min_shops AND users >= $min_platforms) OR sellers > 0
MATCH (sup)<-[:SOURCES_FROM]-(x)
OPTIONAL MATCH (x)-[:OPERATES]->(v:Shop)
WITH sup, CASE WHEN v IS NULL THEN x.key ELSE v.key END AS shop,
     CASE WHEN v IS NULL THEN x.platform ELSE v.platform END AS platform
WHERE platform IS NOT NULL
WITH sup, count(DISTINCT shop) AS n_shops, count(DISTINCT platform) AS n_platforms,
     collect(DISTINCT platform) AS platforms, collect(DISTINCT shop) AS shops
WHERE n_shops >= $min_shops AND n_platforms >= $min_platforms
RETURN sup.key AS supplier, sup.name AS name, n_shops AS n_shops, n_platforms AS n_platforms,
       platforms AS platforms, shops AS shops
ORDER BY n_shops DESC, n_platforms DESC, supplier
