"""The reading engine: a library that knows nothing of HTTP, sessions or databases.

`vision` measures a palm photo into `HandMeasurements`; `interpret` turns measurements into a
`Reading` through the knowledge base; `providers` put a `Reader` interface in front of both.
"""
