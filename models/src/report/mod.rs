//! Run reports: plots and the HTML page (being written).
