// name: address-multi-country
// description: Addresses used by sellers from several countries (directly, or
//   through a shop they operate).
// tags: links, address, cross-border
// param: min_countries int 2..50 = 2 -- Fewest distinct seller countries at the address
// param: include_hubs bool = false -- Also list addresses marked as hubs (warehouses)
// example: -p min_countries=2
// sort-lists: countries, sellers
MATCH (ad:Address)<-[:LOCATED_AT]-(x)
WHERE $include_hubs OR NOT coalesce(ad.hub, false)
// cheap pre-filter: two countries need two users, or one shop with two operators
WITH ad, count(x) AS users, max(COUNT { MATCH (x)<-[:OPERATES]-() }) AS operators
WHERE users >= 2 OR operators >= 2
MATCH (ad)<-[:LOCATED_AT]-(x)
OPTIONAL MATCH (x)<-[:OPERATES]-(op:Seller)
WITH ad, CASE WHEN labels(x)[0] = 'Seller' THEN x.key ELSE op.key END AS seller,
     CASE WHEN labels(x)[0] = 'Seller' THEN x.country ELSE op.country END AS country
WHERE country IS NOT NULL
WITH ad, count(DISTINCT country) AS n_countries, collect(DISTINCT country) AS countries,
     collect(DISTINCT seller) AS sellers
WHERE n_countries >= $min_countries
RETURN ad.key AS address, coalesce(ad.display, ad.key) AS label, n_countries AS n_countries,
       countries AS countries, sellers AS sellers
ORDER BY n_countries DESC, address
