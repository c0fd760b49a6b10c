-- Runs once, when the postgres volume is first initialised: the empty database the replay CLI rebuilds
-- the projections into (docker compose run --rm replay; docs/OPERATIONS.md, "Replay").
-- To replay again: docker compose exec postgres sh -c 'dropdb -U parley parley_replay && createdb -U parley parley_replay'
CREATE DATABASE parley_replay OWNER parley;
