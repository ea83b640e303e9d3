-- The activity IRIs of a package (issue 9): the course IRI and each launch's IRI as the package
-- declares them (packager.standards.ids, read by packager.packages), or as the player derives them
-- when it declares none. NULL on packages imported before: the player then derives them as it did.
ALTER TABLE package ADD COLUMN course_iri TEXT;
ALTER TABLE launch ADD COLUMN iri TEXT;
