"""HTTP: the pages people open and the JSON API that tools and tests drive."""
