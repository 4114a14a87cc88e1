"""Every run kept in the library: the dock, its list, thumbnails and the lineage view."""
