"""Pure domain rules of the awards service: ranking, prize allocation, reproducible results,
certificates and exports. Nothing here talks to Kafka, MongoDB or HTTP, so every rule can be
tested and re-run offline by anyone holding the exported inputs."""
