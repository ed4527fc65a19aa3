"""Pure domain rules of the submission service.

Standard library only, so the rules can be unit-tested without Kafka, Mongo or HTTP
and reused unchanged by every adapter that wires them in.
"""
