"""Search spaces over ArchSpecs, one module per space, registered by the name used in conf/space/."""
