"""Erasure on request: a customer's right to be forgotten, in every layer (banking_dw.erasure.job),
and kept forgotten when a day is generated, landed or loaded again."""
