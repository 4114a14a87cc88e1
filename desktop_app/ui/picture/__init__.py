"""Getting a picture in and choosing its part: the drop area, the frame, the upload preview."""
