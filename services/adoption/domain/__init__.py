"""Adoption's rules, free of Kafka, Mongo and HTTP: plans, stages, indicator values, totals.

They say what is wrong as codes and values (``shared.coded``); ``services.adoption.messages``
words them.
"""
