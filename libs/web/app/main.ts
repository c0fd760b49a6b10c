document.body.textContent = 'Parley';
