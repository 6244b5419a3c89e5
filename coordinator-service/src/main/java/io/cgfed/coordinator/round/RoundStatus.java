package io.cgfed.coordinator.round;

/**
 * OPEN collects uploads; AGGREGATING while the codec-service decodes and averages them;
 * EVALUATING while a worker evaluates the new adapter; CLOSED with its metrics. Round 0 has no
 * training: it evaluates the initial adapter as the baseline.
 */
public enum RoundStatus { OPEN, AGGREGATING, EVALUATING, CLOSED, FAILED }
