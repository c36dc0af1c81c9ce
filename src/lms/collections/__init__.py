"""Collections: cases of borrowers behind on their loans, their buckets, agents, promises to pay."""
