"""What a run brought: the results grid, its cells, the full-size viewer."""
