// name: find-shops
// description: Shops whose key, shop id or name contains some text (case-insensitive).
// tags: explore, shop, search
// param: text str -- Text to look for, e.g. kicks
// example: -p text=kicks
MATCH (s:Shop)
WHERE toLower(s.key) CONTAINS toLower($text) OR toLower(s.shop_id) CONTAINS toLower($text)
   OR toLower(coalesce(s.name, '')) CONTAINS toLower($text)
RETURN s.key AS shop, s.shop_id AS shop_id, s.name AS name, s.platform AS platform,
       s.country AS country, s.first_seen AS first_seen, s.last_seen AS last_seen,
       s.cluster_id AS cluster, coalesce(s.flagged, false) AS flagged
ORDER BY shop
