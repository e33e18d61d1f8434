//! dlspbx spec model and generator.
