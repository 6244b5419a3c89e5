package io.cgfed.coordinator.task;

/** PENDING until its worker polls it, ASSIGNED while it runs, then DONE, FAILED or CANCELLED. */
public enum TaskStatus { PENDING, ASSIGNED, DONE, FAILED, CANCELLED }
