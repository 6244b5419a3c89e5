package io.cgfed.coordinator.attachment;

/**
 * What a task sends besides its update. COLLECTION: a COLLECT task's TGAP snapshots (a CGFB batch of
 * uncompressed CGFU payloads; it completes the task). CONTRIBUTION: a TRAIN task's FAF contribution
 * (safetensors), sent before its update. AUDIT: a TRAIN task's raw update in an audit-mode run (an
 * uncompressed CGFU payload), sent before its update.
 */
public enum AttachmentKind { COLLECTION, CONTRIBUTION, AUDIT }
