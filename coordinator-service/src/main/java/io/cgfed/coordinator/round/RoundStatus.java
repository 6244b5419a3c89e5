package io.cgfed.coordinator.round;

/**
 * OPEN collects uploads; AGGREGATING while the codec-service decodes and averages them;
 * EVALUATING while a worker evaluates the new adapter; CLOSED with its metrics. Round 0 has no
 * training: it evaluates the initial adapter as the baseline. With a learned codec, round 0 first
 * runs TGAP: COLLECTING while clients upload update snapshots trained on their D1 share, then
 * TRAINING_CODEC while the codec-service trains codec version 1 on them.
 */
public enum RoundStatus { COLLECTING, TRAINING_CODEC, OPEN, AGGREGATING, EVALUATING, CLOSED, FAILED }
