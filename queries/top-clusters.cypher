// name: top-clusters
// description: The riskiest clusters with their reach: shops, platforms, countries,
//   flagged shops.
// tags: clusters, risk, reach, overview
// param: top int 1..1000 = 10 -- How many clusters to list
// param: min_shops int 1..100000 = 2 -- Skip clusters with fewer shops
// example: -p top=5 -p min_shops=2
// sort-lists: platforms, countries
MATCH (s:Shop)
WHERE s.cluster_id IS NOT NULL
WITH s.cluster_id AS cluster, max(coalesce(s.cluster_risk, s.risk)) AS risk, count(s) AS shops,
     count(DISTINCT s.platform) AS n_platforms, count(DISTINCT s.country) AS n_countries,
     collect(DISTINCT s.platform) AS platforms, collect(DISTINCT s.country) AS countries,
     sum(CASE WHEN s.flagged THEN 1 ELSE 0 END) AS flagged_shops
WHERE shops >= $min_shops
RETURN cluster AS cluster, risk AS risk, shops AS shops, n_platforms AS n_platforms,
       n_countries AS n_countries, flagged_shops AS flagged_shops,
       platforms AS platforms, countries AS countries
ORDER BY risk DESC, n_platforms DESC, shops DESC, cluster
LIMIT $top
