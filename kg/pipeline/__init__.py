"""The batch path — read → validate → account → reason → present — as one call for a file
(`advice.advise`), for millions of regions in chunks on several processes or a Dask cluster
(`stream`), into a tidy Parquet dataset queried with DuckDB (`results`), and against a
labelled file with the designation hidden (`evaluate`). The command line and the app call it."""
