-- The floor without any SQL: an empty query (EmptyQueryResponse).
;
