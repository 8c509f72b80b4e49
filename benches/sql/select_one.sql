-- The floor: a round trip that touches no table.
SELECT 1;
