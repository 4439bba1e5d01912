// name: address-multi-country
// description: Addresses used by sellers from several countries (directly, or
//   through a shop they operate).
// tags: links, address, cross-border
// param: min_countries int 2..50 = 2 -- Fewest distinct seller countries at the address
// param: include_hubs bool = false -- Also list addresses marked as hubs (warehouses)
// example: -p min_countries=2
// sort-lists: countries, sellers
MATCH (ad:Address)<-[:LOCATED_AT]-(x)<-[:OPERATES*0..1]-(se:Seller)
WHERE se.country IS NOT NULL AND ($include_hubs OR NOT coalesce(ad.hub, false))
WITH ad, count(DISTINCT se.country) AS n_countries,
     collect(DISTINCT se.country) AS countries, collect(DISTINCT se.key) AS sellers
WHERE n_countries >= $min_countries
RETURN ad.key AS address, coalesce(ad.display, ad.key) AS label, n_countries AS n_countries,
       countries AS countries, sellers AS sellers
ORDER BY n_countries DESC, address
