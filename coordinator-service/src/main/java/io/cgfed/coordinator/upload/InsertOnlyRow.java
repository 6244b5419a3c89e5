package io.cgfed.coordinator.upload;

import jakarta.persistence.MappedSuperclass;
import jakarta.persistence.PostLoad;
import jakarta.persistence.PostPersist;
import jakarta.persistence.Transient;
import org.springframework.data.domain.Persistable;

/**
 * A row that is written once and never updated (an accepted upload, an attachment): a new one is
 * persisted (an INSERT), never merged, so two copies of one upload that both passed the duplicate
 * check cannot overwrite each other; the second fails on the primary key ({@link RoundIntake}).
 */
@MappedSuperclass
public abstract class InsertOnlyRow<K> implements Persistable<K> {
    @Transient
    private boolean fresh = true;

    @Override
    public boolean isNew() {
        return fresh;
    }

    @PostLoad
    @PostPersist
    void stored() {
        fresh = false;
    }
}
