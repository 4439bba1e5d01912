// name: supplier-reach
// description: Suppliers feeding at least N shops on at least M platforms.
// tags: links, supplier, reach
// param: min_shops int 1..100000 = 2 -- Fewest shops sourcing from the supplier
// param: min_platforms int 1..50 = 2 -- Fewest distinct platforms among those shops
// example: -p min_shops=3 -p min_platforms=3
// sort-lists: platforms, shops
MATCH (sup:Supplier)<-[:SOURCES_FROM]-(x)-[:OPERATES*0..1]->(s:Shop)
WITH sup, count(DISTINCT s.key) AS n_shops, count(DISTINCT s.platform) AS n_platforms,
     collect(DISTINCT s.platform) AS platforms, collect(DISTINCT s.key) AS shops
WHERE n_shops >= $min_shops AND n_platforms >= $min_platforms
RETURN sup.key AS supplier, sup.name AS name, n_shops AS n_shops, n_platforms AS n_platforms,
       platforms AS platforms, shops AS shops
ORDER BY n_shops DESC, n_platforms DESC, supplier
