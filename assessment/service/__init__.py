"""The operations the front ends share: run a prepared assessment, write and compare its exports.

The CLI (``assessment.cli``), the wizard (``assessment.ui``), the offline demo and the tests call
these; the front ends only parse input and render what they return.
"""
